drop table workspace_smtp;
