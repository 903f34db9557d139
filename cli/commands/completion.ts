import { Argument, type Command } from 'commander';
import { examples } from '../command';

/** One command of the tree, by its path of subcommand names ("" is `tessera` itself). */
interface Node {
  path: string;
  subcommands: { name: string; description: string }[];
  options: { flags: string[]; choices?: readonly string[] }[];
}

export function registerCompletion(program: Command): void {
  examples(
    program
      .command('completion')
      .description('print a shell completion script')
      .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh'])),
    'source <(tessera completion bash)              # bash, e.g. in ~/.bashrc',
    'tessera completion zsh > "${fpath[1]}/_tessera"  # zsh, then start a new shell',
  ).action((shell: 'bash' | 'zsh') => {
    const nodes = walk(program, '');
    process.stdout.write(shell === 'bash' ? bashScript(nodes) : zshScript(nodes));
  });
}

function walk(command: Command, path: string): Node[] {
  const node: Node = {
    path,
    subcommands: command.commands.map((sub) => ({ name: sub.name(), description: sub.description() })),
    options: [
      ...command.options,
      command
        .createHelp()
        .visibleOptions(command)
        .find((option) => option.long === '--help'),
    ]
      .filter((option) => option !== undefined)
      .map((option) => ({ flags: [option.long, option.short].filter((flag) => flag !== undefined), choices: option.argChoices })),
  };
  return [node, ...command.commands.flatMap((sub) => walk(sub, `${path}/${sub.name()}`))];
}

/** The case patterns that move from one command to a subcommand, shared by both shells. */
function descentPatterns(nodes: Node[]): string {
  return nodes.flatMap((node) => node.subcommands.map((sub) => `${node.path}/${sub.name}`)).join('|');
}

function choiceCases(nodes: Node[], answer: (choices: readonly string[]) => string): string[] {
  return nodes.flatMap((node) =>
    node.options
      .filter((option) => option.choices)
      .map((option) => `    ${option.flags.map((flag) => `"${node.path} ${flag}"`).join('|')}) ${answer(option.choices!)} ;;`),
  );
}

function bashScript(nodes: Node[]): string {
  const candidates = nodes.map(
    (node) =>
      `    "${node.path}") candidates="${[...node.subcommands.map((sub) => sub.name), ...node.options.flatMap((option) => option.flags)].join(' ')}" ;;`,
  );
  return `# bash completion for tessera: source <(tessera completion bash)
_tessera() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmdpath="" candidates="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "$cmdpath/\${COMP_WORDS[i]}" in
    ${descentPatterns(nodes)}) cmdpath="$cmdpath/\${COMP_WORDS[i]}" ;;
    esac
  done
  case "$cmdpath $prev" in
${choiceCases(nodes, (choices) => `COMPREPLY=($(compgen -W "${choices.join(' ')}" -- "$cur")); return`).join('\n')}
  esac
  case "$cmdpath" in
${candidates.join('\n')}
  esac
  COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
}
complete -F _tessera tessera
`;
}

function zshScript(nodes: Node[]): string {
  const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
  const cases = nodes.map((node) => {
    const subcommands = node.subcommands.map((sub) => quote(`${sub.name}:${sub.description}`)).join(' ');
    const flags = node.options.flatMap((option) => option.flags).join(' ');
    return `    "${node.path}")${subcommands ? ` local -a subcommands=(${subcommands}); _describe command subcommands;` : ''} compadd -- ${flags} ;;`;
  });
  return `#compdef tessera
# zsh completion for tessera: tessera completion zsh > "\${fpath[1]}/_tessera"
compdef _tessera tessera
_tessera() {
  local cmdpath="" i
  for ((i = 2; i < CURRENT; i++)); do
    case "$cmdpath/\${words[i]}" in
    ${descentPatterns(nodes)}) cmdpath="$cmdpath/\${words[i]}" ;;
    esac
  done
  case "$cmdpath \${words[CURRENT-1]}" in
${choiceCases(nodes, (choices) => `compadd -- ${choices.join(' ')}; return`).join('\n')}
  esac
  case "$cmdpath" in
${cases.join('\n')}
  esac
}
if [ "$funcstack[1]" = "_tessera" ]; then _tessera "$@"; fi
`;
}
