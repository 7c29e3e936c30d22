-- +goose Up
-- +goose NO TRANSACTION
-- The reference lists of seed 003 (/api/v1/currencies, /countries, …), read-only
-- for tenants. The ISO lists are filled by the generated 20261130000110_lookups_iso.sql.
CREATE TABLE countries (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(191) NOT NULL,
  official_name VARCHAR(191) NOT NULL,
  iso2 CHAR(2) NOT NULL,
  iso3 CHAR(3) NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  KEY ix_countries_iso2 (iso2)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE TABLE currencies (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code CHAR(3) NOT NULL,
  name VARCHAR(191) NOT NULL,
  symbol VARCHAR(16) NOT NULL,
  iso_numeric INT NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  KEY ix_currencies_code (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE TABLE states (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  country_id BIGINT UNSIGNED NOT NULL,
  name VARCHAR(191) NOT NULL,
  code VARCHAR(16) NOT NULL,
  type VARCHAR(191) NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  KEY ix_states_country_id (country_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE TABLE account_types (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(191) NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO account_types (name) VALUES
('Individual'),
('Business'),
('Enterprise'),
('Non-profit'),
('Government'),
('Partner'),
('Reseller'),
('Vendor');
CREATE TABLE industry_types (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(191) NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO industry_types (name) VALUES
('Agriculture'),
('Automotive'),
('Banking and Finance'),
('Construction'),
('Consulting'),
('Education'),
('Energy and Utilities'),
('Entertainment and Media'),
('Food and Beverage'),
('Government'),
('Healthcare'),
('Hospitality and Tourism'),
('Information Technology'),
('Insurance'),
('Legal Services'),
('Logistics and Transportation'),
('Manufacturing'),
('Marketing and Advertising'),
('Non-profit'),
('Pharmaceuticals'),
('Real Estate'),
('Retail'),
('Software'),
('Telecommunications'),
('Textiles and Apparel'),
('Wholesale'),
('Other');
CREATE TABLE deal_types (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(191) NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO deal_types (name) VALUES
('New Business'),
('Existing Business'),
('Renewal'),
('Upsell'),
('Cross-sell'),
('Partnership');
CREATE TABLE lead_types (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(191) NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO lead_types (name) VALUES
('Hot'),
('Warm'),
('Cold');
CREATE TABLE lead_sources (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(191) NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO lead_sources (name) VALUES
('Website'),
('Referral'),
('Social Media'),
('Email Campaign'),
('Cold Call'),
('Trade Show'),
('Advertisement'),
('Partner'),
('Product Page'),
('Service Page'),
('Walk-in'),
('Other');
CREATE TABLE categories (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(191) NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE TABLE subcategories (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  category_id BIGINT UNSIGNED NOT NULL,
  name VARCHAR(191) NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  KEY ix_subcategories_category_id (category_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO categories (id, name) VALUES
(1, 'Electronics'),
(2, 'Software'),
(3, 'Services'),
(4, 'Office Supplies'),
(5, 'Home and Garden'),
(6, 'Clothing and Apparel'),
(7, 'Health and Beauty'),
(8, 'Food and Beverage'),
(9, 'Industrial'),
(10, 'Other');
INSERT INTO subcategories (category_id, name) VALUES
(1, 'Mobile Phones'),
(1, 'Computers and Laptops'),
(1, 'Accessories'),
(1, 'Audio and Video'),
(2, 'Business Software'),
(2, 'Security'),
(2, 'Web Hosting'),
(2, 'Mobile Apps'),
(3, 'Consulting'),
(3, 'Design'),
(3, 'Development'),
(3, 'Marketing'),
(3, 'Maintenance and Support'),
(4, 'Stationery'),
(4, 'Furniture'),
(4, 'Printing'),
(5, 'Kitchen'),
(5, 'Furniture'),
(5, 'Garden Tools'),
(6, 'Men'),
(6, 'Women'),
(6, 'Children'),
(7, 'Personal Care'),
(7, 'Cosmetics'),
(7, 'Wellness'),
(8, 'Groceries'),
(8, 'Beverages'),
(8, 'Catering'),
(9, 'Machinery'),
(9, 'Tools'),
(9, 'Raw Materials'),
(10, 'Miscellaneous');
CREATE TABLE units (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(191) NOT NULL,
  short_name VARCHAR(16) NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO units (name, short_name) VALUES
('Piece', 'pc'),
('Box', 'box'),
('Pack', 'pack'),
('Dozen', 'doz'),
('Kilogram', 'kg'),
('Gram', 'g'),
('Tonne', 't'),
('Litre', 'l'),
('Millilitre', 'ml'),
('Metre', 'm'),
('Centimetre', 'cm'),
('Square metre', 'm2'),
('Cubic metre', 'm3'),
('Hour', 'h'),
('Day', 'day'),
('Week', 'wk'),
('Month', 'mo'),
('Year', 'yr'),
('Set', 'set'),
('Pair', 'pair');

-- +goose Down
DROP TABLE units;
DROP TABLE subcategories;
DROP TABLE categories;
DROP TABLE lead_sources;
DROP TABLE lead_types;
DROP TABLE deal_types;
DROP TABLE industry_types;
DROP TABLE account_types;
DROP TABLE states;
DROP TABLE currencies;
DROP TABLE countries;
