/**
 * Message templates: `{{name}}`, `{{session}}`, `{{number}}`, and `{{name|there}}` for a default.
 * A placeholder with no value and no default disappears together with the space before it,
 * so "Hi {{name}}!" becomes "Hi!" rather than "Hi !".
 */

export type TemplateVars = Partial<Record<string, string | null | undefined>>;

type Part = string | { name: string; fallback: string | null };

export type CompiledTemplate = (vars: TemplateVars) => string;

const placeholder = /( ?)\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:\|([^}]*))?\}\}/g;

function compileTemplate(source: string): CompiledTemplate {
  const parts: Array<{ space: string; part: Part }> = [];
  let last = 0;
  for (const m of source.matchAll(placeholder)) {
    if (m.index > last) parts.push({ space: '', part: source.slice(last, m.index) });
    parts.push({ space: m[1] ?? '', part: { name: m[2]!, fallback: m[3]?.trim() ?? null } });
    last = m.index + m[0].length;
  }
  if (last < source.length) parts.push({ space: '', part: source.slice(last) });
  return (vars) => {
    let out = '';
    for (const { space, part } of parts) {
      if (typeof part === 'string') {
        out += part;
        continue;
      }
      const value = vars[part.name]?.trim() || part.fallback;
      if (value) out += space + value;
    }
    return out;
  };
}

/** Compiled once per distinct source: templates come from config, so the set is small and fixed. */
const cache = new Map<string, CompiledTemplate>();

export function renderTemplate(source: string, vars: TemplateVars): string {
  let compiled = cache.get(source);
  if (!compiled) {
    compiled = compileTemplate(source);
    cache.set(source, compiled);
  }
  return compiled(vars);
}
