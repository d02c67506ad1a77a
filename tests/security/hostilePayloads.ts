/** Paths an attacker tries in `{{ … }}` and in condition variables to reach code or prototypes. */
export const HOSTILE_PATHS = [
  '__proto__',
  'constructor',
  'prototype',
  'constructor.constructor',
  'constructor.prototype',
  '__proto__.constructor',
  '__proto__.polluted',
  'a.__proto__',
  'a.constructor.constructor',
  'name.constructor.name',
  'name.length',
  'user.__proto__.polluted',
  'x.prototype.y',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  '__lookupGetter__',
  'globalThis',
  'globalThis.process',
  'global',
  'process',
  'process.env',
  'process.env.SECURITY_CANARY',
  'process.mainModule',
  'require',
  'module',
  'this',
  'self',
  'window',
  'Function',
  'eval',
  'import',
  'arguments',
  'getter',
  'getter.secret',
  'thrower',
  'thrower.x',
  'proxy.x',
  'fn',
  'fn.call',
  'fn.constructor',
  'sym',
  'cyclic',
  'cyclic.self.self',
  'pollute.polluted',
] as const;

/** Ways to wrap a path in template syntax, including syntaxes other engines use. */
const WRAPPERS: Array<(path: string) => string> = [
  (p) => `{{${p}}}`,
  (p) => `{{ ${p} }}`,
  (p) => `{{${p} | "fallback"}}`,
  (p) => `{{${p}()}}`,
  (p) => `{{${p}['constructor']}}`,
  (p) => `{{{${p}}}}`,
  (p) => '${' + p + '}',
  (p) => `{{#with ${p}}}{{this}}{{/with}}`,
];

/** Unicode and escape tricks that try to spell a forbidden name past a filter. */
const UNICODE_TRICKS = [
  '{{\\u005f\\u005fproto\\u005f\\u005f}}',
  '{{\\x5f\\x5fproto\\x5f\\x5f.polluted}}',
  '{{＿＿proto＿＿}}',
  '{{__proto\u200b__}}',
  '{{con\u0000structor}}',
  '{{constructor\u200d.constructor}}',
  '{{ｃｏｎｓｔｒｕｃｔｏｒ}}',
  '{{__pro\\to__}}',
  '{{"constructor"}}',
  "{{a | '{{constructor.constructor}}'}}",
  '{{a | "\\"}} {{constructor}}"}}',
  '{{{{constructor}}}}',
  '{{constructor}}'.repeat(200),
  '{{7*7}} ${7*7} <%= 7*7 %> #{7*7}',
  '{{a.b.c | "x"}}{{',
  '}}{{__proto__}}{{',
];

/** 200+ template payloads: every hostile path in every wrapper, plus the unicode tricks. */
export function templatePayloads(): string[] {
  return [...HOSTILE_PATHS.flatMap((path) => WRAPPERS.map((wrap) => wrap(path))), ...UNICODE_TRICKS];
}

/** Catastrophic-backtracking patterns someone may type into a `matches` condition. */
export const CATASTROPHIC_PATTERNS = [
  '^(a+)+$',
  '(a*)*$',
  '^(\\w+\\s?)*$',
  '^(([a-z])+.)+[A-Z]([a-z])+$',
  '(a|aa)+$',
  '(a|a)+$',
  '(a|a)*$',
  '([a-z]|[a-z]{2})+$',
  '(.*a){12}$',
  '(.*,){11}P',
  '(\\w|\\d)+$',
  '(x+x+)+y',
];
