-- list: what GET /users?limit=20&offset=N asks: the total and the page, in one snapshot.
\set offset random(0, :rows - 20)
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SELECT count(*) FROM users;
SELECT id, email, name, created_at, updated_at FROM users ORDER BY id LIMIT 20 OFFSET :offset;
COMMIT;
