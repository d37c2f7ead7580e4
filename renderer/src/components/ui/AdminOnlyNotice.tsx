// Says, on a page front-desk staff see read-only, who can change what is on it.
export function AdminOnlyNotice(props: { what: string }) {
  return (
    <p className="notice notice--info" role="note">
      Only a clinic administrator can change {props.what}. Ask your clinic’s administrator if something here needs to change.
    </p>
  );
}
