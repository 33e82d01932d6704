/** The project's Markdown pages (README.md and docs/*.md) as the docs tests read them: links, headings, code. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/infra/paths';

export interface Page {
  /** Relative to the project root, e.g. `docs/install.md`. */
  path: string;
  lines: string[];
}

export function docPages(): Page[] {
  const docs = readdirSync(join(projectRoot, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs].map((path) => ({ path, lines: readFileSync(join(projectRoot, path), 'utf8').split('\n') }));
}

/** Each line with whether it is inside a fenced code block (the fence lines themselves count as code). */
export function withFences(page: Page): { line: string; number: number; code: boolean }[] {
  let fenced = false;
  return page.lines.map((line, i) => {
    const fence = line.startsWith('```');
    if (fence) fenced = !fenced;
    return { line, number: i + 1, code: fenced || fence };
  });
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

export function anchorsOf(page: Page): Set<string> {
  return new Set(withFences(page).flatMap(({ line, code }) => (!code && /^#{1,6} /.test(line) ? [anchorOf(line.replace(/^#+ /, ''))] : [])));
}

/** The targets of Markdown links and images outside code: `[text](target)`. */
export function linksOf(page: Page): { target: string; number: number }[] {
  return withFences(page).flatMap(({ line, number, code }) => {
    if (code) return [];
    const prose = line.replace(/`[^`]*`/g, '');
    return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => ({ target: m[1]!, number }));
  });
}

/** What the pages show as commands: fenced code lines and inline code spans. */
export function codeOf(page: Page): { text: string; number: number }[] {
  return withFences(page).flatMap(({ line, number, code }) => {
    if (code) return line.startsWith('```') ? [] : [{ text: line, number }];
    return [...line.matchAll(/`([^`]+)`/g)].map((m) => ({ text: m[1]!, number }));
  });
}
