-- The relational schema an ERP would keep the same records in: one table per canonical import
-- table, keys as text (leading zeros survive), times as timestamptz.
CREATE TABLE materials (material_id text PRIMARY KEY, name text, uom text, kind text);
CREATE TABLE suppliers (supplier_id text PRIMARY KEY, name text, country text);
CREATE TABLE customers (customer_id text PRIMARY KEY, name text, contact text, country text);
CREATE TABLE locations (location_id text PRIMARY KEY, name text, kind text, gln text);
CREATE TABLE operators (operator_id text PRIMARY KEY, name text);
CREATE TABLE devices (device_id text PRIMARY KEY, name text, kind text, location_id text);
CREATE TABLE lots (
  lot_id text PRIMARY KEY, material_id text, quantity double precision, uom text,
  created_at timestamptz, expires_at timestamptz, status text, supplier_id text,
  supplier_lot text, received_at timestamptz, location_id text
);
CREATE TABLE steps (
  step_id text PRIMARY KEY, operation text, started_at timestamptz, ended_at timestamptz,
  work_order_id text, device_id text, operator_id text, location_id text
);
CREATE TABLE step_inputs (step_id text, lot_id text, quantity double precision, uom text);
CREATE TABLE step_outputs (step_id text, lot_id text, quantity double precision, uom text);
CREATE TABLE inspections (
  inspection_id text PRIMARY KEY, test text, result text, inspected_at timestamptz,
  lot_id text, step_id text, device_id text, operator_id text, value double precision, unit text
);
CREATE TABLE shipments (
  shipment_id text PRIMARY KEY, customer_id text, shipped_at timestamptz,
  from_location_id text, carrier text, reference_doc text
);
CREATE TABLE shipment_lines (shipment_id text, lot_id text, quantity double precision, uom text);
CREATE TABLE device_events (device_id text, event text, at timestamptz, result text);
