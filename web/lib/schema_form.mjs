// A job type's JSON Schema as form fields, and the fields' text back as a
// payload. Pure: the submit page draws what `describe` answers and hands
// what the user typed to `assemble`. An array is typed as JSON (a list of
// anything nests too deep for one control), checked to be a list and
// described by its items and bounds; what a form cannot hold well (schemas
// without a type, `oneOf`, ...) is a JSON field of its own. The server
// validates the whole payload against the schema in any case.

/**
 * The fields of an object schema: one per property, in the schema's order.
 * Each is {path: "$.a.b", name, kind, required, description, default,
 * minimum, maximum, minLength, maxLength, options, fields (objects), items,
 * minItems, maxItems (arrays)}, with kind one of string, number, integer,
 * boolean, enum, object, array, json.
 */
export function describe(schema, sample, path = '$') {
  const properties = schema?.properties ?? {};
  const required = new Set(schema?.required ?? []);
  return Object.entries(properties).map(([name, property]) => {
    const p = property ?? {};
    const here = `${path}.${name}`;
    const example = sample?.[name];
    const field = {
      path: here, name, required: required.has(name), description: p.description ?? '',
      default: p.default !== undefined ? p.default : example,
    };
    if (Array.isArray(p.enum)) return { ...field, kind: 'enum', options: p.enum };
    if (p.type === 'object' && p.properties) {
      return { ...field, kind: 'object', fields: describe(p, example, here) };
    }
    if (p.type === 'string') return { ...field, kind: 'string', minLength: p.minLength, maxLength: p.maxLength };
    if (p.type === 'integer' || p.type === 'number') {
      return { ...field, kind: p.type, minimum: p.minimum, maximum: p.maximum };
    }
    if (p.type === 'boolean') return { ...field, kind: 'boolean' };
    if (p.type === 'array') {
      return { ...field, kind: 'array', items: p.items?.type ?? '', minItems: p.minItems, maxItems: p.maxItems };
    }
    return { ...field, kind: 'json' };
  });
}

/** The text a field starts with (its default or the sample's value). */
export function initialText(field) {
  const v = field.default;
  if (field.kind === 'object') return '';
  if (v === undefined || v === null) return field.kind === 'boolean' ? false : '';
  if (field.kind === 'boolean') return Boolean(v);
  if (field.kind === 'json' || field.kind === 'enum' || field.kind === 'array') return JSON.stringify(v);
  return String(v);
}

/**
 * The payload the fields' `values` (path -> text, or a boolean for check
 * boxes) make. Empty optional fields are left out. Answers {payload,
 * errors}: errors maps a path to what is wrong with its text (a number that
 * is not one, JSON that does not parse, a required field left empty).
 */
export function assemble(fields, values) {
  const errors = {};
  const build = (list) => {
    const out = {};
    for (const f of list) {
      if (f.kind === 'object') {
        const inner = build(f.fields);
        if (Object.keys(inner).length > 0 || f.required) out[f.name] = inner;
        continue;
      }
      const raw = values[f.path];
      if (f.kind === 'boolean') {
        out[f.name] = Boolean(raw);
        continue;
      }
      const text = (raw ?? '').trim();
      if (text === '') {
        if (f.required) errors[f.path] = 'required';
        continue;
      }
      if (f.kind === 'string') {
        out[f.name] = raw;
      } else if (f.kind === 'integer' || f.kind === 'number') {
        const n = Number(text);
        if (!Number.isFinite(n) || (f.kind === 'integer' && !Number.isInteger(n))) {
          errors[f.path] = `must be ${f.kind === 'integer' ? 'a whole number' : 'a number'}`;
        } else {
          out[f.name] = n;
        }
      } else {
        try {
          const value = JSON.parse(text);
          if (f.kind === 'array' && !Array.isArray(value)) errors[f.path] = 'must be a JSON list, [ ... ]';
          else out[f.name] = value;
        } catch {
          errors[f.path] = f.kind === 'array' ? 'must be a JSON list, [ ... ]' : 'must be JSON';
        }
      }
    }
    return out;
  };
  const payload = build(fields);
  return { payload, errors };
}

/** The violations of a 422 answer by path; those no field shows go under "$". */
export function violationsByPath(fields, violations) {
  const known = new Set();
  const walk = (list) => list.forEach((f) => (f.kind === 'object' ? (known.add(f.path), walk(f.fields)) : known.add(f.path)));
  walk(fields);
  const out = {};
  for (const v of violations ?? []) {
    // A violation deep inside a JSON field belongs to that field.
    let path = v.path ?? '$';
    while (path !== '$' && !known.has(path)) path = path.replace(/(\.[^.[]+|\[\d+\])$/, '') || '$';
    (out[path] ??= []).push(v.message);
  }
  return out;
}
