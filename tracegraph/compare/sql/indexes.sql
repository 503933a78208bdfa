-- Indexes after COPY (faster than maintaining them row by row): both directions of every
-- lot-step link, the device/time look-up of a window and of a backward trace's device
-- events, and the lot and step look-ups of the answers.
CREATE INDEX step_inputs_lot ON step_inputs (lot_id, step_id);
CREATE INDEX step_inputs_step ON step_inputs (step_id, lot_id);
CREATE INDEX step_outputs_lot ON step_outputs (lot_id, step_id);
CREATE INDEX step_outputs_step ON step_outputs (step_id, lot_id);
CREATE INDEX steps_device_time ON steps (device_id, started_at);
CREATE INDEX shipment_lines_lot ON shipment_lines (lot_id);
CREATE INDEX inspections_lot ON inspections (lot_id);
CREATE INDEX inspections_step ON inspections (step_id);
CREATE INDEX device_events_device_time ON device_events (device_id, at);
-- Each device's longest step (whole seconds rounded up, no end counting as none, plus a
-- second), as the Neo4j import keeps it on the device (longest_step_s): the lower bound of a
-- window's seek, so that a window costs the window, not the device's history before it.
CREATE TABLE device_longest_step AS
  SELECT device_id,
         (max(greatest(0, ceil(extract(epoch FROM coalesce(ended_at, started_at) - started_at))))
          + 1)::float8 AS longest_s
  FROM steps WHERE device_id IS NOT NULL GROUP BY device_id;
ALTER TABLE device_longest_step ADD PRIMARY KEY (device_id);
ANALYZE;
