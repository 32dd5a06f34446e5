-- Archived powders leave the catalogue, stock and reorder lists; their history stays.
alter table powder add column archived_at timestamptz;
