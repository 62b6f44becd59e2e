-- get: what GET /users/{id} asks the database.
\set id random(1, :rows)
SELECT id, email, name, created_at, updated_at FROM users WHERE id = :id;
