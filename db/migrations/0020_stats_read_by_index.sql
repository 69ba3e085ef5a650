CREATE INDEX "needs_matched_corpus_idx" ON "needs" USING btree ("matched_corpus");--> statement-breakpoint
CREATE INDEX "needs_analysis_length_idx" ON "needs" USING btree ("analysis_length");--> statement-breakpoint
CREATE INDEX "offerings_matched_corpus_idx" ON "offerings" USING btree ("matched_corpus");--> statement-breakpoint
CREATE INDEX "offerings_analysis_length_idx" ON "offerings" USING btree ("analysis_length");