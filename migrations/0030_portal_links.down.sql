alter table client
  drop column portal_revoked_at,
  drop column portal_activated_at;

alter table email_token drop column client_id;
