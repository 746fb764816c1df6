package web

import (
	"github.com/gofiber/fiber/v2"

	"venuebook/app"
	"venuebook/store"
)

type backupJSON struct {
	Name      string `json:"name"`
	Bytes     int64  `json:"bytes"`
	CreatedAt string `json:"created_at"`
	URL       string `json:"url"`
}

func (s *Server) backupJSON(f store.BackupFile) backupJSON {
	return backupJSON{Name: f.Name, Bytes: f.Size, CreatedAt: app.FormatInstant(f.ModTime, s.svc.Rules.Location), URL: "/api/admin/backups/" + f.Name}
}

func (s *Server) apiAdminBackups(c *fiber.Ctx) error {
	list, err := s.svc.Backups()
	if err != nil {
		return err
	}
	out := make([]backupJSON, len(list))
	for i, f := range list {
		out[i] = s.backupJSON(f)
	}
	st := s.svc.BackupStatus()
	status := fiber.Map{"last_error": st.LastError}
	if !st.LastSuccess.IsZero() {
		status["last_success"] = app.FormatInstant(st.LastSuccess, s.svc.Rules.Location)
	}
	return c.JSON(fiber.Map{"backups": out, "dir": s.svc.Config.Backup.Dir, "keep": s.svc.Config.Backup.Keep, "schedule": s.svc.Config.Backup.Schedule, "status": status})
}

func (s *Server) apiAdminCreateBackup(c *fiber.Ctx) error {
	f, err := s.svc.Backup(c.UserContext(), owner(c).Email)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"backup": s.backupJSON(f)})
}

// apiAdminDownloadBackup sends a backup file; only names of backups in
// backup.dir are accepted, so no path can be reached through it.
func (s *Server) apiAdminDownloadBackup(c *fiber.Ctx) error {
	f, err := s.svc.FindBackup(c.Params("name"))
	if err != nil {
		return err
	}
	if err := s.svc.Store.Audit(c.UserContext(), s.svc.Now(), owner(c).Email, "backup.downloaded", "", f.Name); err != nil {
		return err // a copy of every customer's data leaves only on the record
	}
	c.Set(fiber.HeaderContentType, "application/vnd.sqlite3")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+f.Name+`"`)
	return c.SendFile(f.Path)
}

func (s *Server) pageConsoleBackups(c *fiber.Ctx) error {
	list, err := s.svc.Backups()
	if err != nil {
		return err
	}
	data := struct {
		consoleData
		Backups  []store.BackupFile
		Status   app.BackupStatus
		Schedule string
		Keep     int
		Dir      string
	}{s.console(c, s.svc.VenueLang().T("console.backups.title"), "backups"), list, s.svc.BackupStatus(), s.svc.Config.Backup.Schedule, s.svc.Config.Backup.Keep, s.svc.Config.Backup.Dir}
	return s.render(c, fiber.StatusOK, "admin_backups", data)
}

func (s *Server) submitConsoleBackup(c *fiber.Ctx) error {
	if _, err := s.svc.Backup(c.UserContext(), owner(c).Email); err != nil {
		return err
	}
	return c.Redirect("/admin/backups?done=backup", fiber.StatusSeeOther)
}
