drop table platform_editor;
