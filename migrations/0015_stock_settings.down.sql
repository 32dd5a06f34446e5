drop table powder_stock_settings;
