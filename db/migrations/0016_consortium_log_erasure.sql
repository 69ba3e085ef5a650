-- The consortium log stays append-only, with one exception: erasing a person or organisation who left
-- Roadmatch (`deleteAccount`, in a transaction that sets roadmatch.erasure) may rewrite an entry's detail
-- (the names and posts it recorded), and nothing else of it.
CREATE OR REPLACE FUNCTION roadmatch_consortium_log_append_only() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() >= 2 THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  IF TG_OP = 'UPDATE' AND coalesce(current_setting('roadmatch.erasure', true), '') = 'on'
     AND NEW.seq = OLD.seq AND NEW.consortium_id = OLD.consortium_id AND NEW.action = OLD.action
     AND NEW.organisation_id IS NOT DISTINCT FROM OLD.organisation_id
     AND NEW.user_id IS NOT DISTINCT FROM OLD.user_id AND NEW.created_at = OLD.created_at THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'consortium_log is append-only' USING ERRCODE = 'restrict_violation';
END $$;
