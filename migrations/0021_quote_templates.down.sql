drop table template_logo;
drop table quote_template;
