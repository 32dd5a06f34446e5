delete from projection_checkpoint where projection = 'client';
drop table crm_settings;
drop table client_key;
drop table client_interaction;
drop table client_match_key;
drop table client;
-- pg_trgm stays: other databases of the cluster, or later features, may use it.
