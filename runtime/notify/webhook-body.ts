// The body a webhook receives: the generic JSON body, Slack's, or the operator's own.
//
// SPOT_GUARD_WEBHOOK_TEMPLATE: a JSON body with {{placeholders}} for a receiver that wants its
// own shape. Placeholders go inside JSON strings; each is replaced by its value escaped as JSON
// string content, so an event's message with quotes or newlines never breaks the body. A
// template is checked when the agent starts, against values holding every character that needs
// escaping: one that names an unknown placeholder or is not JSON once filled in is refused then,
// never discovered at the first fallback.
import { jsonBody, NOTIFICATION_FIELDS, slackBody, type NotificationFields, type WebhookSettings } from './notification.js';

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The template with every placeholder replaced by its value, escaped for a JSON string. */
export function renderTemplate(template: string, fields: NotificationFields): string {
  return template.replace(PLACEHOLDER, (_whole, name: string) => JSON.stringify(fields[name as keyof NotificationFields] ?? '').slice(1, -1));
}

/** Why the template cannot be used (one line), or undefined when it can. */
export function templateProblem(template: string): string | undefined {
  const unknown = [...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '').filter((name) => !(NOTIFICATION_FIELDS as readonly string[]).includes(name));
  if (unknown.length > 0) return `unknown placeholder ${unknown.map((n) => `{{${n}}}`).join(', ')}; the placeholders are ${NOTIFICATION_FIELDS.map((n) => `{{${n}}}`).join(' ')}`;
  const awkward = 'a "quoted" \\ back\\slash\nand a new line';
  const sample = Object.fromEntries(NOTIFICATION_FIELDS.map((name) => [name, awkward])) as NotificationFields;
  try {
    JSON.parse(renderTemplate(template, sample));
  } catch (err) {
    return `not valid JSON once its placeholders are filled in (${err instanceof Error ? err.message : String(err)}); placeholders go inside JSON strings, e.g. {"text": "{{summary}}"}`;
  }
  return undefined;
}

/** The body for `fields` as the settings ask: the template when there is one, else the format's. */
export function bodyOf(settings: Pick<WebhookSettings, 'format' | 'template'>, fields: NotificationFields): string {
  if (settings.template !== undefined) return renderTemplate(settings.template, fields);
  return settings.format === 'slack' ? slackBody(fields) : jsonBody(fields);
}
