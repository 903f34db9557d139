/** An action in a table row, named for screen readers with what it acts on ("Delete ci"). */
export function RowButton({ label, target, danger, onClick }: { label: string; target: string; danger?: boolean; onClick: () => void }) {
  return (
    <button type="button" className={danger ? 'link danger' : 'link'} onClick={onClick} aria-label={`${label} ${target}`}>
      {label}
    </button>
  );
}
