-- Indexes after COPY (faster than maintaining them row by row): both directions of every
-- lot-step link, the device/time look-up of a window, and the lot and step look-ups of the
-- answers.
CREATE INDEX step_inputs_lot ON step_inputs (lot_id, step_id);
CREATE INDEX step_inputs_step ON step_inputs (step_id, lot_id);
CREATE INDEX step_outputs_lot ON step_outputs (lot_id, step_id);
CREATE INDEX step_outputs_step ON step_outputs (step_id, lot_id);
CREATE INDEX steps_device_time ON steps (device_id, started_at);
CREATE INDEX shipment_lines_lot ON shipment_lines (lot_id);
CREATE INDEX inspections_lot ON inspections (lot_id);
CREATE INDEX inspections_step ON inspections (step_id);
ANALYZE;
