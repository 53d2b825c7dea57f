-- The backfill, in batches of 2, while the others write.
CALL eckid.backfill('pupil', 2);
