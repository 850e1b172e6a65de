/*
 * store-internal: what the store*.c files share and nothing else sees.
 */
#ifndef QUITX_STORE_INTERNAL_H
#define QUITX_STORE_INTERNAL_H

#include <sqlite3.h>

#include "quitx/store.h"

struct store {
	sqlite3		*db;
	char		*path;
};

/* Migrations: migrations[i] takes the schema from version i to i + 1. */
extern const char *const store_migrations[];
extern const int store_migration_count;

/* Prepare sql; on failure log it and return NULL. */
sqlite3_stmt	*store_prepare(struct store *st, const char *sql);

/*
 * Step a query expected to give at most one row: 1 (a row), 0 (none), or
 * -1 with the error logged under what.
 */
int	store_step(struct store *st, sqlite3_stmt *q, const char *what);

/* Step a statement that returns nothing and finalize it (q may be NULL,
 * from a failed store_prepare): 0, or -1 with the error logged. */
int	store_run(struct store *st, sqlite3_stmt *q, const char *what);

/* A column as a malloc'd string, or NULL when it is NULL. */
char	*store_column_dup(sqlite3_stmt *q, int col);

/* A column holding a network or language name, as stored. */
enum network	store_column_network(sqlite3_stmt *q, int col);
enum lang	store_column_lang(sqlite3_stmt *q, int col);

/*
 * store_stats_get's counts, inside a read transaction the caller holds
 * (store-status.c reads them in the same moment as its own).
 */
int	store_stats_read(struct store *st, struct store_stats *out);

/* The outbox_state of a state word as stored, or -1. */
int	store_outbox_state_index(const char *name);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK; 0 or -1 (logged). */
int	store_begin(struct store *st);
int	store_commit(struct store *st);
void	store_rollback(struct store *st);

#endif
