// A local ESLint rule: packages import each other by name (`@talon/core/...`), never by a relative
// path that leaves the package (ARCHITECTURE.md, "Layout"). A relative import is resolved against
// the importing file and refused when it lands in another workspace package. And the layers stay
// apart by name too: skills and the SDK build on @talon/skill-runtime, never on the host
// (@talon/core), and the host never on the SDK.
import path from 'node:path';

const ROOT = path.dirname(new URL(import.meta.url).pathname);
const PACKAGE_FOLDERS = ['core', 'skill-runtime', 'plugins-sdk', 'admin-ui', 'sidecar-automator', 'tests'];

/** The workspace package a file belongs to: a top folder above, `plugins/<name>`, or the root. */
function packageOf(file) {
  const [top, second, third] = path.relative(ROOT, file).split(path.sep);
  if (PACKAGE_FOLDERS.includes(top)) return top;
  if (top === 'plugins' && second !== undefined && third !== undefined) return `plugins/${second}`;
  return '(root)';
}

/** Packages a file may not import by name, by where the file is. */
function forbiddenPackages(file) {
  const [top] = path.relative(ROOT, file).split(path.sep);
  if (top === 'plugins' || top === 'plugins-sdk') return ['@talon/core'];
  if (top === 'core') return ['@talon/plugins-sdk'];
  return [];
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'packages import each other by name, never by a relative path' },
    schema: [],
    messages: {
      leaves: '"{{source}}" leaves the package {{from}} for {{to}}: import it by package name instead',
      layer:
        '"{{source}}": {{folder}}/ may not import {{forbidden}} (skills and the SDK build on @talon/skill-runtime; the host never on the SDK)',
    },
  },
  create(context) {
    const from = packageOf(context.filename);
    const forbidden = forbiddenPackages(context.filename);
    const check = (node) => {
      const source = node.source;
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return;
      const banned = forbidden.find((name) => source.value === name || source.value.startsWith(`${name}/`));
      if (banned) {
        const folder = path.relative(ROOT, context.filename).split(path.sep)[0];
        context.report({
          node: source,
          messageId: 'layer',
          data: { source: source.value, folder, forbidden: banned },
        });
        return;
      }
      if (!source.value.startsWith('.')) return;
      const target = path.resolve(path.dirname(context.filename), source.value);
      const to = packageOf(target);
      if (to !== from)
        context.report({ node: source, messageId: 'leaves', data: { source: source.value, from, to } });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

export default { rules: { 'no-relative-import-across-packages': rule } };
