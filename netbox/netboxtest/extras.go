package netboxtest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	cfListPath      = "/api/extras/custom-fields/"
	journalListPath = "/api/extras/journal-entries/"
	tenantListPath  = "/api/tenancy/tenants/"
)

var cfTypes = map[string]string{
	"text": "Text", "longtext": "Text (long)", "integer": "Integer", "decimal": "Decimal", "boolean": "Boolean (true/false)",
	"date": "Date", "datetime": "Date & time", "url": "URL", "json": "JSON", "select": "Selection",
	"multiselect": "Multiple selection", "object": "Object", "multiobject": "Multiple objects",
}

var journalKinds = map[string]string{"info": "Info", "success": "Success", "warning": "Warning", "danger": "Danger"}

type cfObj struct {
	id               int64
	name, label, typ string
	description      string
	objectTypes      []string
	required         bool
	min, max         *int64
	created          time.Time
}

type journalObj struct {
	id             int64
	objType        string
	objID          int64
	kind, comments string
	created        time.Time
}

func (s *Server) cfDef(name, objectType string) *cfObj {
	for _, d := range s.cfs {
		if d.name == name && slices.Contains(d.objectTypes, objectType) {
			return d
		}
	}
	return nil
}

func (s *Server) renderCF(base string, d *cfObj) map[string]any {
	if s.version.Major < 4 {
		return map[string]any{
			"id": d.id, "url": fmt.Sprintf("%s%s%d/", base, cfListPath, d.id), "display": orStr(d.label, d.name),
			"content_types": d.objectTypes, "type": map[string]any{"value": d.typ, "label": cfTypes[d.typ]},
			"name": d.name, "label": d.label, "description": d.description, "required": d.required,
			"filter_logic": map[string]any{"value": "loose", "label": "Loose"}, "default": nil, "weight": 100,
			"validation_minimum": d.min, "validation_maximum": d.max, "validation_regex": "", "choices": nil,
			"created": d.created.UTC().Format("2006-01-02"), "last_updated": timestamp(d.created),
		}
	}
	return map[string]any{
		"id":                  d.id,
		"url":                 fmt.Sprintf("%s%s%d/", base, cfListPath, d.id),
		"display_url":         fmt.Sprintf("%s/extras/custom-fields/%d/", base, d.id),
		"display":             orStr(d.label, d.name),
		"object_types":        d.objectTypes,
		"type":                map[string]any{"value": d.typ, "label": cfTypes[d.typ]},
		"related_object_type": nil,
		"data_type":           map[string]string{"integer": "integer", "boolean": "boolean", "decimal": "decimal"}[d.typ],
		"name":                d.name,
		"label":               d.label,
		"group_name":          "",
		"description":         d.description,
		"required":            d.required,
		"unique":              false,
		"search_weight":       1000,
		"filter_logic":        map[string]any{"value": "loose", "label": "Loose"},
		"ui_visible":          map[string]any{"value": "always", "label": "Always"},
		"ui_editable":         map[string]any{"value": "yes", "label": "Yes"},
		"is_cloneable":        false,
		"default":             nil,
		"weight":              100,
		"validation_minimum":  d.min,
		"validation_maximum":  d.max,
		"validation_regex":    "",
		"choice_set":          nil,
		"comments":            "",
		"created":             timestamp(d.created),
		"last_updated":        timestamp(d.created),
	}
}

func orStr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (s *Server) listCFs(base string, u *url.URL) (any, *apiError) {
	q := u.Query()
	gt, e := idAfter(q)
	if e != nil {
		return nil, e
	}
	var items []map[string]any
	for _, d := range s.cfs {
		if d.id <= gt {
			continue
		}
		if vs := q["name"]; len(vs) > 0 && !slices.Contains(vs, d.name) {
			continue
		}
		if vs := q["type"]; len(vs) > 0 && !slices.Contains(vs, d.typ) {
			continue
		}
		if vs := q["id"]; len(vs) > 0 && !slices.Contains(vs, strconv.FormatInt(d.id, 10)) {
			continue
		}
		// 4.x filters by object_type; 3.x by content_types and ignores object_type
		key := "object_type"
		if s.version.Major < 4 {
			key = "content_types"
		}
		if vs := q[key]; len(vs) > 0 && !slices.ContainsFunc(vs, func(v string) bool { return slices.Contains(d.objectTypes, v) }) {
			continue
		}
		items = append(items, s.restrict(q, s.renderCF(base, d), []string{"id", "url", "display", "name", "description"}))
	}
	return s.page(base, u, items)
}

var cfNameRe = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

func (s *Server) createCF(base string, raw json.RawMessage) (any, *apiError) {
	var req struct {
		Name         string   `json:"name"`
		Label        string   `json:"label"`
		Type         string   `json:"type"`
		ObjectTypes  []string `json:"object_types"`
		ContentTypes []string `json:"content_types"`
		Description  string   `json:"description"`
		Required     bool     `json:"required"`
		Min          *int64   `json:"validation_minimum"`
		Max          *int64   `json:"validation_maximum"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		return nil, fieldErr(http.StatusBadRequest, "non_field_errors", "Invalid data: "+err.Error())
	}
	errs := map[string]any{}
	switch {
	case req.Name == "":
		errs["name"] = []string{"This field is required."}
	case !cfNameRe.MatchString(req.Name):
		errs["name"] = []string{"Only alphanumeric characters and underscores are allowed."}
	case strings.Contains(req.Name, "__"):
		errs["name"] = []string{"Double underscores are not permitted in custom field names."}
	case slices.ContainsFunc(s.cfs, func(d *cfObj) bool { return d.name == req.Name }):
		errs["name"] = []string{"custom field with this name already exists."}
	}
	if req.Type == "" {
		errs["type"] = []string{"This field is required."}
	} else if cfTypes[req.Type] == "" {
		errs["type"] = []string{fmt.Sprintf("%s is not a valid choice.", req.Type)}
	}
	models, key := req.ObjectTypes, "object_types"
	if s.version.Major < 4 {
		models, key = req.ContentTypes, "content_types"
	}
	if len(models) == 0 {
		errs[key] = []string{"This field is required."}
	}
	if len(errs) > 0 {
		return nil, &apiError{status: http.StatusBadRequest, body: errs}
	}
	d := &cfObj{id: s.newID(kindCF, 0), name: req.Name, label: req.Label, typ: req.Type, description: req.Description,
		objectTypes: models, required: req.Required, min: req.Min, max: req.Max, created: time.Now()}
	s.cfs = append(s.cfs, d)
	return s.renderCF(base, d), nil
}

func (s *Server) renderJournal(base string, j *journalObj) map[string]any {
	return map[string]any{
		"id":                   j.id,
		"url":                  fmt.Sprintf("%s%s%d/", base, journalListPath, j.id),
		"display_url":          fmt.Sprintf("%s/extras/journal-entries/%d/", base, j.id),
		"display":              fmt.Sprintf("%s (%s)", timestamp(j.created), journalKinds[j.kind]),
		"assigned_object_type": j.objType,
		"assigned_object_id":   j.objID,
		"assigned_object":      nil,
		"created":              timestamp(j.created),
		"created_by":           1,
		"kind":                 map[string]any{"value": j.kind, "label": journalKinds[j.kind]},
		"comments":             j.comments,
		"tags":                 []any{},
		"custom_fields":        map[string]any{},
		"last_updated":         timestamp(j.created),
	}
}

func (s *Server) listJournals(base string, u *url.URL) (any, *apiError) {
	q := u.Query()
	gt, e := idAfter(q)
	if e != nil {
		return nil, e
	}
	var items []map[string]any
	for _, j := range s.journals {
		if j.id <= gt {
			continue
		}
		if vs := q["assigned_object_type"]; len(vs) > 0 && !slices.Contains(vs, j.objType) {
			continue
		}
		if vs := q["assigned_object_id"]; len(vs) > 0 && !slices.Contains(vs, strconv.FormatInt(j.objID, 10)) {
			continue
		}
		if vs := q["kind"]; len(vs) > 0 && !slices.Contains(vs, j.kind) {
			continue
		}
		items = append(items, s.restrict(q, s.renderJournal(base, j), []string{"id", "url", "display", "created"}))
	}
	return s.page(base, u, items)
}

func (s *Server) createJournal(base string, raw json.RawMessage) (any, *apiError) {
	var req struct {
		Type     string  `json:"assigned_object_type"`
		ID       *int64  `json:"assigned_object_id"`
		Kind     string  `json:"kind"`
		Comments *string `json:"comments"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		return nil, fieldErr(http.StatusBadRequest, "non_field_errors", "Invalid data: "+err.Error())
	}
	errs := map[string]any{}
	if req.Type == "" {
		errs["assigned_object_type"] = []string{"This field is required."}
	}
	if req.ID == nil {
		errs["assigned_object_id"] = []string{"This field is required."}
	}
	switch {
	case req.Comments == nil:
		errs["comments"] = []string{"This field is required."}
	case strings.TrimSpace(*req.Comments) == "":
		errs["comments"] = []string{"This field may not be blank."}
	}
	if req.Kind == "" {
		req.Kind = "info"
	} else if journalKinds[req.Kind] == "" {
		errs["kind"] = []string{fmt.Sprintf("%s is not a valid choice.", req.Kind)}
	}
	if len(errs) > 0 {
		return nil, &apiError{status: http.StatusBadRequest, body: errs}
	}
	if req.Type != "ipam.ipaddress" || s.ips[*req.ID] == nil {
		return nil, fieldErr(http.StatusBadRequest, "non_field_errors",
			fmt.Sprintf("Invalid assigned_object: %s ID %d", s.modelName(req.Type), *req.ID))
	}
	j := &journalObj{id: s.newID(kindJournal, 0), objType: req.Type, objID: *req.ID, kind: req.Kind, comments: *req.Comments, created: time.Now()}
	s.journals = append(s.journals, j)
	return s.renderJournal(base, j), nil
}

func (s *Server) renderTenant(base string, t *tenant) map[string]any {
	return map[string]any{
		"id": t.id, "url": fmt.Sprintf("%s%s%d/", base, tenantListPath, t.id),
		"display_url": fmt.Sprintf("%s/tenancy/tenants/%d/", base, t.id), "display": t.name,
		"name": t.name, "slug": t.slug, "group": nil, "description": "", "comments": "",
		"tags": []any{}, "custom_fields": map[string]any{},
	}
}

// listTenants serves GET /api/tenancy/tenants/ (filters id, name, slug;
// unknown values match nothing), ordered by name.
func (s *Server) listTenants(base string, u *url.URL) (any, *apiError) {
	q := u.Query()
	all := slices.Collect(maps.Values(s.tenants))
	slices.SortFunc(all, func(a, b *tenant) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	if s.version.Major >= 4 && q.Get("ordering") == "id" {
		slices.SortFunc(all, func(a, b *tenant) int { return cmp.Compare(a.id, b.id) })
	}
	gt, e := idAfter(q)
	if e != nil {
		return nil, e
	}
	var items []map[string]any
	for _, t := range all {
		if vs := q["name"]; len(vs) > 0 && !slices.Contains(vs, t.name) {
			continue
		}
		if vs := q["slug"]; len(vs) > 0 && !slices.Contains(vs, t.slug) {
			continue
		}
		if vs := q["id"]; len(vs) > 0 && !slices.Contains(vs, strconv.FormatInt(t.id, 10)) {
			continue
		}
		if t.id <= gt {
			continue
		}
		items = append(items, s.restrict(q, s.renderTenant(base, t), []string{"id", "url", "display", "name", "slug", "description"}))
	}
	return s.page(base, u, items)
}

// idAfter reads an id__gt filter (-1 when absent).
func idAfter(q url.Values) (int64, *apiError) {
	v := q.Get("id__gt")
	if v == "" {
		return -1, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fieldErr(http.StatusBadRequest, "id__gt", "Enter a whole number.")
	}
	return n, nil
}

// modelName renders a model as NetBox's messages do: "IPAM > IP Address"
// (4.x), "ipam | IP address" (3.x).
func (s *Server) modelName(objectType string) string {
	if objectType != "ipam.ipaddress" {
		return objectType
	}
	if s.version.Major < 4 {
		return "ipam | IP address"
	}
	return "IPAM > IP Address"
}
