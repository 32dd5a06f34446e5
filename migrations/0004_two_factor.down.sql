alter table refresh_token drop column two_factor;
drop table recovery_code;
alter table account
  drop column totp_secret,
  drop column totp_pending_secret,
  drop column totp_enabled_at,
  drop column totp_last_step;
