alter table powder drop column archived_at;
