-- Members who ran /opt-out forget-me while a talk they were going to had a Discord event: a reconciliation after a
-- restart must not make them attendees again just because Discord still shows them Interested. Only a hash of the
-- id is kept, and only until the last of those talks has ended.
CREATE TABLE forgotten_members (
    digest    TEXT    PRIMARY KEY,
    until_ms  INTEGER NOT NULL
) WITHOUT ROWID;
