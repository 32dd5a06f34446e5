delete from projection_checkpoint where projection = 'invitation';
delete from projection_parked where projection = 'invitation';
delete from projection_halted where projection = 'invitation';
drop table invitation;
-- Invitations expired on the way up stay expired.
drop index email_token_invitation;
alter table email_token drop column invitation_id;
