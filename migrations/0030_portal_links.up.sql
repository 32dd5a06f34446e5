-- A portal invitation links exactly the client record it was sent for (issue 17 item 5):
-- the record is named on the link, and a link sent before the access was revoked no longer
-- opens it.
alter table email_token add column client_id uuid;

alter table client
  add column portal_activated_at timestamptz,
  add column portal_revoked_at   timestamptz;

-- Portal links sent before this named no record: accepting them linked every client sharing
-- the address. They expire now; the workshop's next email to the client sends a new one.
update email_token set expires_at = now()
where purpose = 'invitation' and used_at is null and expires_at > now()
  and role = 'client' and client_id is null;
