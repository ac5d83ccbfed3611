import { readFileSync } from 'node:fs';

/** The package version, read once from package.json (two levels up from both src/node and dist/node). */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export const CLIENT_VERSION = `Cairn/v${VERSION}/node-${process.version}`;
