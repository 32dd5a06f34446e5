drop function thermogestion_enter_tenant(uuid, text[]);
drop table projection_halted;
drop table projection_parked;
