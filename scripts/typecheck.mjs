// `npm run typecheck`: what `tsc -p <project>` does for each project, in one process. Each project is
// still its own program with its own options, checked in full; what they share is the parsed and bound
// files they have in common (TypeScript's libs, @types, the protocol, the backend for bench and e2e),
// the way the TypeScript language service shares them between programs. Five separate tsc runs parsed
// those files five times.
import path from 'node:path';
import ts from 'typescript';

const PROJECTS = ['protocol', 'backend', 'main', 'renderer', '.'];
const root = path.resolve(import.meta.dirname, '..');

/** Parsed files by name and by everything that shapes a parse or a bind (a file parses differently for ESM and CommonJS). */
const parsed = new Map();
// The options TypeScript itself marks as changing a parsed or bound file; programs that differ in one
// of them never share a file (the renderer's module and jsx settings keep its files to itself).
const SHAPING = [
  'strict',
  ...(ts.optionDeclarations ?? [])
    .filter((option) => option.affectsSourceFile || option.affectsBindDiagnostics)
    .map((option) => option.name),
  ...[
    'target',
    'module',
    'moduleResolution',
    'moduleDetection',
    'jsx',
    'jsxImportSource',
    'alwaysStrict',
    'allowUnreachableCode',
    'allowUnusedLabels',
  ],
];
const formatHost = {
  getCanonicalFileName: (fileName) => fileName,
  getCurrentDirectory: () => root,
  getNewLine: () => ts.sys.newLine,
};

function check(project) {
  const configPath = ts.findConfigFile(path.join(root, project), ts.sys.fileExists, 'tsconfig.json');
  if (!configPath) return [{ messageText: `no tsconfig.json in ${project}`, category: ts.DiagnosticCategory.Error, code: 0 }];
  const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!config) return [{ messageText: `cannot read ${configPath}`, category: ts.DiagnosticCategory.Error, code: 0 }];
  const settings = JSON.stringify([...new Set(SHAPING)].sort().map((name) => config.options[name] ?? null));
  const host = ts.createCompilerHost(config.options);
  const readSourceFile = host.getSourceFile;
  host.getSourceFile = (fileName, languageVersionOrOptions, onError, shouldCreate) => {
    const options = typeof languageVersionOrOptions === 'object' ? languageVersionOrOptions : { languageVersion: languageVersionOrOptions };
    const key = `${fileName}\0${settings}\0${options.languageVersion}\0${options.impliedNodeFormat}\0${options.jsDocParsingMode}`;
    let file = parsed.get(key);
    if (!file || shouldCreate) {
      file = readSourceFile(fileName, languageVersionOrOptions, onError, shouldCreate);
      if (file) parsed.set(key, file);
    }
    return file;
  };
  const program = ts.createProgram({
    rootNames: config.fileNames,
    options: config.options,
    projectReferences: config.projectReferences,
    host,
    configFileParsingDiagnostics: config.errors,
  });
  return ts.getPreEmitDiagnostics(program);
}

let errors = 0;
for (const project of PROJECTS) {
  const diagnostics = check(project);
  errors += diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error).length;
  // As tsc prints them: with colour and context on a terminal, one plain line each in a log.
  const format = process.stdout.isTTY ? ts.formatDiagnosticsWithColorAndContext : ts.formatDiagnostics;
  if (diagnostics.length > 0) process.stdout.write(format(diagnostics, formatHost));
}
if (errors > 0) {
  process.stdout.write(`\ntypecheck: ${errors} error(s)\n`);
  process.exitCode = 1;
}
