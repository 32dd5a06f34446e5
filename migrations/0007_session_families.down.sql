alter table email_token drop column invited_by, drop column invited_by_role;
alter table refresh_token drop constraint refresh_token_family_fk;
drop table session_family;
