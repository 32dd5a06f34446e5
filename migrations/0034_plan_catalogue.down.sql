drop table catalogue_change;
drop table platform_setting;
drop table feature_flag;
drop table plan_feature;
drop table plan_price;
