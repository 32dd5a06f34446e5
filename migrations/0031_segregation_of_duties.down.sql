drop index project_photo_by_sender;
alter table project_photo drop column added_by;
drop table payment_policy;
drop index payment_to_review;
alter table payment
  drop column reviewed_at,
  drop column reviewed_by,
  drop column review_due,
  drop column recorded_by_role,
  drop column recorded_by;
