-- The users table shared by every implementation. This file is the only DDL in the
-- repository; it is idempotent, so applying it twice changes nothing.

CREATE TABLE IF NOT EXISTS users (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email      text        NOT NULL,
    name       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- Lengths are counted in code points, as char_length does for UTF-8 text.
    CONSTRAINT users_email_length CHECK (char_length(email) BETWEEN 3 AND 254),
    CONSTRAINT users_name_length CHECK (char_length(name) BETWEEN 1 AND 100),
    CONSTRAINT users_name_not_blank CHECK (name ~ '[^[:space:]]'),
    -- U+0000 cannot be stored in text at all; the rest of C0 and DEL are refused here.
    CONSTRAINT users_email_no_control CHECK (email !~ '[\x01-\x1f\x7f]'),
    CONSTRAINT users_name_no_control CHECK (name !~ '[\x01-\x1f\x7f]')
);

-- Uniqueness is case-insensitive; the stored value keeps the case it was sent in.
CREATE UNIQUE INDEX IF NOT EXISTS users_email_lower_key ON users (lower(email));

-- created_at never changes; updated_at moves only when a stored value really changes,
-- whatever the UPDATE statement sets (ORMs that write every column get the same rule).
CREATE OR REPLACE FUNCTION users_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.created_at := OLD.created_at;
    IF NEW.email IS DISTINCT FROM OLD.email OR NEW.name IS DISTINCT FROM OLD.name THEN
        NEW.updated_at := now();
    ELSE
        NEW.updated_at := OLD.updated_at;
    END IF;
    RETURN NEW;
END;
$$;

CREATE OR REPLACE TRIGGER users_touch_updated_at
    BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION users_touch_updated_at();

-- On insert both timestamps are the database's clock, equal by construction.
CREATE OR REPLACE FUNCTION users_stamp_created() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.created_at := now();
    NEW.updated_at := NEW.created_at;
    RETURN NEW;
END;
$$;

CREATE OR REPLACE TRIGGER users_stamp_created
    BEFORE INSERT ON users
    FOR EACH ROW EXECUTE FUNCTION users_stamp_created();
