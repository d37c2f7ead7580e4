// Says, on a page front-desk staff see read-only, who can change what is on it.
export function AdminOnlyNotice(props: { what: string }) {
  return (
    <div className="notice notice--info" role="note">
      <span className="notice__icon" aria-hidden="true">
        i
      </span>
      <p className="notice__body">
        Only a clinic administrator can change {props.what}. Ask your clinic’s administrator if something here needs to change.
      </p>
    </div>
  );
}
