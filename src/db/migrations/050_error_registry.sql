-- Error registry (Fehlerverzeichnis, seed 001): the catalogue ships in code (src/errors/catalogue.ts);
-- this table holds what a workspace changed — its own entries (codes the catalogue lacks) and its
-- overrides of shipped texts. A null text field means "use the shipped text"; deleting the row resets.
create table error_registry_entries (
  workspace_id text not null references workspaces(id) on delete cascade,
  code text not null,
  category text,
  severity text check (severity in ('hard', 'soft', 'info')),
  label_de text,
  label_en text,
  explanation_de text,
  explanation_en text,
  remedy_de text,
  remedy_en text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  updated_by text,
  primary key (workspace_id, code)
);
