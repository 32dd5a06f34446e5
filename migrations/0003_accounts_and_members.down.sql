delete from projection_checkpoint where projection = 'member';
drop table member;
alter table workspace drop column plan, drop column trial_ends_at, drop column jantes_enabled;
drop table refresh_token;
drop table account;
-- The workspace read model loses columns: rebuild it from the log on the way back up.
delete from workspace;
delete from projection_checkpoint where projection = 'workspace';
