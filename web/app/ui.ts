import * as htmModule from 'htm';
import { h, type ComponentChildren } from 'preact';

// htm's types describe a CommonJS module; the browser loads its ES module, whose default export is htm itself.
type Bind = <R>(h: (type: never, props: never, ...children: never[]) => R) => (strings: TemplateStringsArray, ...values: unknown[]) => R | R[];
const htm = (htmModule as unknown as { default: { bind: Bind } }).default;

/** JSX-like templates without a build step: html`<p>${text}</p>`. */
export const html = htm.bind(h);

/** An address or hash, shortened for a table cell; the whole of it in the tooltip. */
export function short(id: string | null | undefined, keep = 8): string {
  if (id === null || id === undefined) return '—';
  return id.length <= keep * 2 + 1 ? id : `${id.slice(0, keep)}…${id.slice(-4)}`;
}

export const Id = ({ id, href }: { id: string | null; href?: string }) =>
  href === undefined ? html`<span class="mono" title=${id ?? ''}>${short(id)}</span>` : html`<a class="mono" href=${href} title=${id ?? ''}>${short(id)}</a>`;

/** A block time (ms) as a person reads it, in their time zone. */
export function when(timeMs: number | null | undefined): string {
  if (timeMs === null || timeMs === undefined) return '—';
  return new Date(timeMs).toLocaleString(undefined, { hour12: false });
}

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

export function ratio(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${Math.round(value * 100)}%`;
}

export const Card = ({ label, value, id }: { label: string; value: ComponentChildren; id?: string }) =>
  html`<div class="card" data-figure=${id}>
    <div class="label">${label}</div>
    <div class="value">${value}</div>
  </div>`;

export const Failure = ({ error }: { error: unknown }) => html`<p class="error" role="alert">${error instanceof Error ? error.message : String(error)}</p>`;

export const Loading = ({ what }: { what: string }) => html`<p class="loading">Loading ${what}…</p>`;
