drop table platform_workspace;
