drop table stripe_connected_account;
