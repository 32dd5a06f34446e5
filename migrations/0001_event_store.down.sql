drop table projection_checkpoint;
drop table events;
drop function events_refuse_change();
