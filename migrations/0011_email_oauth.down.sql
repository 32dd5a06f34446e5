drop table oauth_state;
alter table workspace_smtp
  drop column oauth_provider,
  drop column oauth_refresh_sealed,
  drop column oauth_access_sealed,
  drop column oauth_expires_at;
