-- Generated columns may only call immutable functions; array_to_string is merely stable because of
-- element output functions in general, but for text[] it is immutable in fact.
CREATE OR REPLACE FUNCTION roadmatch_join_text(text[]) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN array_to_string($1, ' ');
