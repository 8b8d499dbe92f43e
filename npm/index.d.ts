// SPDX-License-Identifier: MIT
/** The path of the loadable extension (lib/libsqlite_remote.so). */
export function getLoadablePath(): string;
/** Load the extension into db (anything with loadExtension(path)). */
export function load(db: { loadExtension(path: string): unknown }): void;
