-- Roles: 'user', or 'admin' for operators who may use /api/admin (made with
-- `starter users create-admin`).
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'user';
