// Every property of the customers a recall reaches, for customers.csv: the export's extra
// columns (address, phone, a second contact) are what the call to each customer needs, and
// the forward trace reads only id, name, contact and country.
UNWIND $customer_ids AS customer_id
MATCH (customer:Customer {customer_id: customer_id})
RETURN customer_id, properties(customer) AS props
