drop table login_attempt;
