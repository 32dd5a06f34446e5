drop table login_delay;
