-- create: what POST /users asks: one insert with a fresh email, the row returned.
INSERT INTO users (email, name)
    VALUES ('pgbench-' || gen_random_uuid() || '@example.com', 'Bench User')
    RETURNING id, email, name, created_at, updated_at;
