// Buttons and links that change something: shown to admins and editors only (viewers see none; the API
// refuses their writes anyway). data-write lets the browser tests count them.
import type { ButtonHTMLAttributes, ReactNode } from "react";
import { Link } from "react-router-dom";
import { useSession } from "../session/session";

export function WriteButton({
  adminOnly,
  ...props
}: ButtonHTMLAttributes<HTMLButtonElement> & { adminOnly?: boolean }) {
  const { canWrite, isAdmin } = useSession();
  if (!(adminOnly ? isAdmin : canWrite)) return null;
  return <button type="button" {...props} data-write="" />;
}

export function WriteLink({
  to,
  className,
  children,
}: {
  to: string;
  className?: string;
  children: ReactNode;
}) {
  const { canWrite } = useSession();
  if (!canWrite) return null;
  return (
    <Link to={to} className={className} data-write="">
      {children}
    </Link>
  );
}
