-- A schema script whose first statement fails, for metering.jdbc.continue-on-error.
CREATE TABLE metering_broken (id NOT_A_TYPE);
CREATE TABLE metering_after_error (id INT);
